use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Country {
    pub code: securegen::types::Uuid,
}

fn main() {}
