from .patch_vqvae import PatchVQVAE

__all__ = ['PatchVQVAE']
