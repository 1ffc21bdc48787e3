use securegen::secure_resource;

#[secure_resource(access(create = [anyone]))]
pub struct Signup {
    #[field(id, kind = uuid)]
    pub id: String,
}

fn main() {}
