use asyncgen::comp;

fn main() {
    let _odd = comp![x for x in 0..10 if x % 2];
}
