use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Blob {
    #[field(id, kind = uuid)]
    pub id: String,
    pub data: Option<Vec<u8>>,
}

fn main() {}
