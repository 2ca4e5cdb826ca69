use asyncgen::comp;

fn main() {
    let _nothing = comp![];
}
