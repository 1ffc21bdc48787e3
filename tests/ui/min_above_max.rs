use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], create = [user]))]
pub struct Rating {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(write(create), range(10..=1))]
    pub stars: i64,
}

fn main() {}
