use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], create = [user]))]
pub struct Song {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(write(create), lenn(1..=200))]
    pub title: String,
}

fn main() {}
