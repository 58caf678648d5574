//! Runtime dispatch to AVX2 code paths where the CPU has them.

/// Defines `$name(args)` (optionally generic over `const LINEAR: bool`) that runs `$portable`
/// compiled for AVX2 when the CPU has it, and as portable code otherwise. `$portable` must be
/// `#[inline(always)]` so that it is compiled inside the AVX2 function. Results are bitwise the
/// same: Rust never contracts `a*b + c` into an FMA, so only the vector width changes.
macro_rules! avx2_dispatch {
    ($(#[$doc:meta])* $vis:vis fn $name:ident<const LINEAR: bool>($($arg:ident: $ty:ty),*) $(-> $ret:ty)? => $portable:ident) => {
        $(#[$doc])*
        $vis fn $name<const LINEAR: bool>($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                fn avx2<const LINEAR: bool>($($arg: $ty),*) $(-> $ret)? {
                    $portable::<LINEAR>($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2.
                    return unsafe { avx2::<LINEAR>($($arg),*) };
                }
            }
            $portable::<LINEAR>($($arg),*)
        }
    };
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? => $portable:ident) => {
        $(#[$doc])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $portable($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $portable($($arg),*)
        }
    };
}
pub(crate) use avx2_dispatch;
