use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Blob {
    #[field(id)]
    pub id: securegen::types::Uuid,
    pub data: Option<Vec<u8>>,
}

fn main() {}
