use securegen::secure_resource;

#[secure_resource(roles = [user], access(create = [user], read = [user]))]
pub struct Thread {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(write(update))]
    pub title: String,
}

fn main() {}
