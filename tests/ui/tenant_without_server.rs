use securegen::secure_resource;

#[secure_resource(tenant(field = org_id, claim = "org"), access(read = [authenticated]))]
pub struct Project {
    #[field(id)]
    pub id: securegen::types::Uuid,
    pub org_id: String,
}

fn main() {}
