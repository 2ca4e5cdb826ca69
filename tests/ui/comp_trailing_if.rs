use asyncgen::comp;

fn main() {
    let v = vec![1, 2, 3];
    let _evens = comp![x for x in v if];
}
