use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Invoice {
    #[field(id)]
    pub id: i64,
}

fn main() {}
