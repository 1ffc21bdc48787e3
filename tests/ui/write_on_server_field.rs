use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], update = [user]))]
pub struct Note {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(server = now, write(update))]
    pub created_at: securegen::types::OffsetDateTime,
}

fn main() {}
