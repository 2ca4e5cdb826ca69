use asyncgen::comp;

fn main() {
    let rows = futures::stream::iter([vec![1, 2], vec![3]]);
    let _flat = comp![x for await row in rows for await x in row];
}
