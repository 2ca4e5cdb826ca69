use asyncgen::comp;

fn main() {
    let v = vec![1, 2, 3];
    let _doubled = comp![x * 2 for await x in v];
}
