# SPDX-License-Identifier: MIT
# The snapstage sandbox: a local HTTPS emulator of AI HomeDesign and Autoenhance.
