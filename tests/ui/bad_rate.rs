use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]), limits(rate = "20/min"))]
pub struct Review {
    #[field(id)]
    pub id: securegen::types::Uuid,
}

fn main() {}
