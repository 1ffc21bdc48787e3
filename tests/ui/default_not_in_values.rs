use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], create = [user]))]
pub struct Article {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(kind = enum, values(draft, published), default = "archived")]
    pub status: String,
}

fn main() {}
