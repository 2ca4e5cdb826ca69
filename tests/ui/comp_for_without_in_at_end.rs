use asyncgen::comp;

fn main() {
    let _doubled = comp![x * 2 for x];
}
