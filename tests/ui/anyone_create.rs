use securegen::secure_resource;

#[secure_resource(access(create = [anyone]))]
pub struct Signup {
    #[field(id)]
    pub id: securegen::types::Uuid,
}

fn main() {}
