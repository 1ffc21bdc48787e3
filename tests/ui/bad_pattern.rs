use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], create = [user]))]
pub struct Handle {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(write(create), pattern = "^[a-z+$")]
    pub name: String,
}

fn main() {}
