use asyncgen::comp;

fn main() {
    let x = 1;
    let _odd = comp![x if x % 2 == 1];
}
