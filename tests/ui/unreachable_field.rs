use securegen::secure_resource;

#[secure_resource(roles = [user], access(create = [user], read = [user]))]
pub struct Thread {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(write(update))]
    pub title: String,
}

fn main() {}
