use securegen::secure_resource;

#[secure_resource(roles = [user, owner], access(read = [user]))]
pub struct Doc {
    #[field(id)]
    pub id: securegen::types::Uuid,
}

fn main() {}
