use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Note {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(optional)]
    pub body: String,
}

fn main() {}
