use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Note {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(optional)]
    pub body: String,
}

fn main() {}
