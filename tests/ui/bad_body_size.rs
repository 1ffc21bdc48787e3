use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]), limits(body = "16KB"))]
pub struct Upload {
    #[field(id, kind = uuid)]
    pub id: String,
}

fn main() {}
