use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Country {
    #[field(kind = uuid)]
    pub code: String,
}

fn main() {}
