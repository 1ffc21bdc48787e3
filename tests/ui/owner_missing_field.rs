use securegen::secure_resource;

#[secure_resource(roles = [user], owner = author_id, access(read = [owner]))]
pub struct Post {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(server = subject)]
    pub owner_id: String,
}

fn main() {}
