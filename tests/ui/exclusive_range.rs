use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], create = [user]))]
pub struct Tag {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(write(create), len(1..10))]
    pub label: String,
}

fn main() {}
