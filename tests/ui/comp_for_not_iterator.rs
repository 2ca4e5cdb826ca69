use asyncgen::comp;

fn main() {
    let n = 3_u32;
    let _doubled = comp![x * 2 for x in n];
}
