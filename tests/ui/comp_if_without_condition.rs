use asyncgen::comp;

fn main() {
    let v = vec![1, 2, 3];
    let _pairs = comp![(x, y) for x in v.clone() if for y in v.clone()];
}
