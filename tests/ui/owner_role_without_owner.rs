use securegen::secure_resource;

#[secure_resource(roles = [admin], access(read = [owner, admin]))]
pub struct Invoice {
    #[field(id, kind = uuid)]
    pub id: String,
}

fn main() {}
