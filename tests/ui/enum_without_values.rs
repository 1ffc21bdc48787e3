use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Ticket {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(kind = enum)]
    pub status: Option<String>,
}

fn main() {}
