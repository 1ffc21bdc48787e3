use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], update = [user]))]
pub struct Note {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(server = now, kind = timestamp, write(update))]
    pub created_at: String,
}

fn main() {}
