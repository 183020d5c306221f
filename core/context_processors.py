from .site import site_profile


def site(request):
    """The site profile (header and footer of every page)."""
    return {"site_info": site_profile()}
