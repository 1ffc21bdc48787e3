use securegen::secure_resource;

#[secure_resource(roles = [user], acess(read = [user]))]
pub struct Vehicle {
    #[field(id)]
    pub id: securegen::types::Uuid,
}

fn main() {}
