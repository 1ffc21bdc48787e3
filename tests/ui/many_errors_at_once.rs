use securegen::secure_resource;

// Every problem is reported in one compilation.
#[secure_resource(roles = [user], access(read = [usr], delete = [anyone]), limits(rate = "0/minute"))]
pub struct Order {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(write(create), range(5..=1))]
    pub quantity: i64,
}

fn main() {}
