/** Where the page gets its stylesheet and script: the template's one empty pair of each. */
export const STYLE_SLOT = '<style></style>';
export const SCRIPT_SLOT = '<script></script>';
