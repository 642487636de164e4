//! Prints the OpenAPI document as JSON (a quick look while editing the spec).
fn main() {
    match connections_spec::openapi().to_pretty_json() {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("the document does not serialize: {e}");
            std::process::exit(1);
        }
    }
}
