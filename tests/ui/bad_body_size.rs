use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]), limits(body = "16KB"))]
pub struct Upload {
    #[field(id)]
    pub id: securegen::types::Uuid,
}

fn main() {}
