use securegen::secure_resource;

#[secure_resource(roles = [user, admin], access(read = [admn]))]
pub struct Order {
    #[field(id)]
    pub id: securegen::types::Uuid,
}

fn main() {
    // The struct is re-emitted on error: using it raises no second error.
    let _ = Order { id: String::new() };
}
