use securegen::secure_resource;

#[secure_resource(tenant(field = org_id, claim = "org"), access(read = [authenticated]))]
pub struct Project {
    #[field(id, kind = uuid)]
    pub id: String,
    pub org_id: String,
}

fn main() {}
