use asyncgen::comp;

fn main() {
    let s = futures::stream::iter([1, 2, 3]);
    let _doubled = comp![x * 2 for async x in s];
}
