use securegen::secure_resource;

#[secure_resource(roles = [user], acess(read = [user]))]
pub struct Vehicle {
    #[field(id, kind = uuid)]
    pub id: String,
}

fn main() {}
