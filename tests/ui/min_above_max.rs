use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], create = [user]))]
pub struct Rating {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(write(create), range(10..=1))]
    pub stars: i64,
}

fn main() {}
