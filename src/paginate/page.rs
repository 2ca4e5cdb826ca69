/// One page of a paginated listing: its items and the cursor of the page after it.
///
/// `next: None` marks the last page. A page with no items but a `next` cursor is not
/// the end: some APIs return empty pages while a listing is still being filled.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::Page;
///
/// let page = Page::new(vec![1, 2, 3], Some("after-3".to_string()));
/// assert_eq!(page.items, [1, 2, 3]);
/// assert_eq!(page.next.as_deref(), Some("after-3"));
/// assert!(!page.is_last());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The items of this page, in the order the API returned them.
    pub items: Vec<T>,
    /// The cursor that fetches the next page, or `None` when this page is the last.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page holding `items`, followed by the page that `next` fetches (`None`: the
    /// last page).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::Page;
    ///
    /// let last: Page<u32, u64> = Page::new(vec![7], None);
    /// assert!(last.is_last());
    /// ```
    pub fn new(items: Vec<T>, next: Option<C>) -> Self {
        Page { items, next }
    }

    /// `true` when no page follows this one.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::Page;
    ///
    /// assert!(!Page::<u8, u32>::new(Vec::new(), Some(2)).is_last());
    /// ```
    pub fn is_last(&self) -> bool {
        self.next.is_none()
    }
}
