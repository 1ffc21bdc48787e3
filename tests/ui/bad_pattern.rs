use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user], create = [user]))]
pub struct Handle {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(write(create), pattern = "^[a-z+$")]
    pub name: String,
}

fn main() {}
