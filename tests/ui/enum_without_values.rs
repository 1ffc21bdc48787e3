use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Ticket {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(kind = enum)]
    pub status: Option<String>,
}

fn main() {}
