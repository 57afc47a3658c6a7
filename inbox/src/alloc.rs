//! The bundles' allocator, the widget's: std's dlmalloc costs ~2 KB gzipped; lol_alloc's free
//! list (sorted by address, neighbours coalesced on free) does the job in ~0.5 KB. It is
//! O(free blocks) per call, fine for the pages' lists of a few hundred rows (measured in
//! docs/performance.md).

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
// SAFETY: wasm32 without the atomics feature has one thread, so nothing can call the allocator
// concurrently (the cfg above keeps this out of any threaded build).
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
