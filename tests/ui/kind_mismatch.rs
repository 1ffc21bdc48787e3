use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Contact {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(kind = email)]
    pub email: Option<i64>,
}

fn main() {}
