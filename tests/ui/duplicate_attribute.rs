use securegen::secure_resource;

#[secure_resource(roles = [user], owner = owner_id, owner = owner_id, access(read = [owner]))]
pub struct Order {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(server = subject)]
    pub owner_id: String,
}

fn main() {}
