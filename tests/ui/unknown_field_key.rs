use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], create = [user]))]
pub struct Song {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(write(create), lenn(1..=200))]
    pub title: String,
}

fn main() {}
