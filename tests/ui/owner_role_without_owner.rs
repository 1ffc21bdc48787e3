use securegen::secure_resource;

#[secure_resource(roles = [admin], access(read = [owner, admin]))]
pub struct Invoice {
    #[field(id)]
    pub id: securegen::types::Uuid,
}

fn main() {}
